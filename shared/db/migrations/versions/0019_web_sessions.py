"""Sessions of the web pages kept server-side, so that signing out or an admin ends one at once
(shared/service/session.py).

* ``web_sessions``: one row per sign-in. ``secret_hash`` is the SHA-256 digest of the session id
  the (signed) cookie carries, so the table holds nothing a browser could present; ``id`` is the
  session's public handle for the admin API. ``token_id`` is the fingerprint of the tokens-file
  entry signed in with (never the token), ``subject`` its login name (the admin lists a person's
  sessions by it), ``user_agent`` a short summary ("Chrome 131 on Windows"). Times are UTC from
  the services' clock: ``created_at``, ``last_seen_at`` (moved forward at most once a minute, for
  the idle timeout), ``expires_at`` (the absolute end), ``revoked_at`` with ``revoked_reason``
  (``signed_out`` or ``revoked``) and ``revoked_by`` (who ended it).

Cookies issued before this revision carried no session id: they are refused, and everyone signs
in again once after the upgrade. The analytics service forgets sessions 30 days after they
expired.

Revision ID: 0019
Revises: 0018
"""

from shared.db.sql_script import execute_script

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE web_sessions (
    secret_hash bytea PRIMARY KEY CHECK (length(secret_hash) = 32),
    id uuid NOT NULL UNIQUE,
    token_id text NOT NULL CHECK (length(token_id) BETWEEN 1 AND 64),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    user_agent text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 120),
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('signed_out', 'revoked')),
    revoked_by text CHECK (length(revoked_by) <= 200),
    CONSTRAINT web_sessions_revoked_with_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL)),
    CONSTRAINT web_sessions_expires_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX web_sessions_subject ON web_sessions (subject, created_at DESC);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);

-- Privileges: shared/db/grants.py (applied after every migration run).
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS web_sessions;
"""


def upgrade() -> None:
    execute_script(UPGRADE)


def downgrade() -> None:
    execute_script(DOWNGRADE)
