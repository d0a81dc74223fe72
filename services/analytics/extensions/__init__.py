"""Extensions (延期申请) waiting for a supervisor's decision."""
