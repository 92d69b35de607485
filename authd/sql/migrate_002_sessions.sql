-- Browser sign-in (version 2): sessions and pending authorization requests. The session id and the
-- request id are 256 random bits held by the browser; only their SHA-256 (hex) is stored here.

CREATE TABLE IF NOT EXISTS {p}cartman_sessions (
  id_hash char(64) NOT NULL,
  user_id bigint(20) unsigned NOT NULL,
  csrf_token char(43) NOT NULL,
  ip varchar(45) NOT NULL DEFAULT '',
  created_at datetime NOT NULL,
  last_seen_at datetime NOT NULL,
  expires_at datetime NOT NULL,
  PRIMARY KEY (id_hash),
  KEY user_id (user_id),
  KEY expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_auth_requests (
  id_hash char(64) NOT NULL,
  client_id varchar(100) NOT NULL,
  redirect_uri varchar(2000) NOT NULL,
  state varchar(500) NULL,
  scope varchar(500) NOT NULL,
  code_challenge varchar(128) NOT NULL,
  created_at datetime NOT NULL,
  expires_at datetime NOT NULL,
  PRIMARY KEY (id_hash),
  KEY expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
