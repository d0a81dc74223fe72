"""Sessions of people who signed in with an OpenID Connect provider (shared/service/oidc.py).

* ``web_sessions.role``, ``department``, ``name``: who such a person is, as the provider's ID
  token said at sign-in (they have no entry in the tokens file to look it up in). Null for a
  session signed in with a token: its entry in the tokens file says who it is. ``token_id`` of a
  single sign-on session names the provider's configuration (``oidc:`` and a digest), so
  changing the client secret ends every such session, as removing a token ends its own.

Revision ID: 0020
Revises: 0019
"""

from shared.db.sql_script import execute_script

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE web_sessions
    ADD COLUMN role text CHECK (length(role) BETWEEN 1 AND 40),
    ADD COLUMN department text CHECK (length(department) BETWEEN 1 AND 200),
    ADD COLUMN name text CHECK (length(name) BETWEEN 1 AND 200),
    ADD CONSTRAINT web_sessions_department_with_role CHECK (department IS NULL OR role IS NOT NULL);
"""

DOWNGRADE = r"""
DELETE FROM web_sessions WHERE role IS NOT NULL;
ALTER TABLE web_sessions
    DROP CONSTRAINT IF EXISTS web_sessions_department_with_role,
    DROP COLUMN IF EXISTS name,
    DROP COLUMN IF EXISTS department,
    DROP COLUMN IF EXISTS role;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
