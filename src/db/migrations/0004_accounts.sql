-- Accounts: fixed-window request counters for login and setup-link requests, shared by every API process.

CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  hits integer NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_started_at);
