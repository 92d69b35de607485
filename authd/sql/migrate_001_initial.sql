-- CartMan Connect's own tables, version 1. Secrets are never stored in plain text: codes and refresh
-- tokens as SHA-256 (hex), connection keys as bcrypt ($2y$). Times are UTC DATETIMEs.

CREATE TABLE IF NOT EXISTS {p}cartman_clients (
  client_id varchar(100) NOT NULL,
  name varchar(200) NOT NULL,
  client_type varchar(20) NOT NULL DEFAULT 'public',
  redirect_uris text NOT NULL,
  secret_hash varchar(255) NULL,
  allowed_scopes varchar(500) NOT NULL DEFAULT '',
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY (client_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_grants (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint(20) unsigned NOT NULL,
  client_id varchar(100) NOT NULL,
  scope varchar(500) NOT NULL,
  grant_type varchar(40) NOT NULL,
  device_name varchar(200) NULL,
  created_ip varchar(100) NULL,
  created_at datetime NOT NULL,
  last_used_at datetime NULL,
  revoked_at datetime NULL,
  revoked_reason varchar(100) NULL,
  PRIMARY KEY (id),
  KEY user_client (user_id, client_id),
  KEY revoked_at (revoked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_auth_codes (
  code_hash char(64) NOT NULL,
  client_id varchar(100) NOT NULL,
  user_id bigint(20) unsigned NOT NULL,
  redirect_uri varchar(2000) NOT NULL,
  scope varchar(500) NOT NULL,
  code_challenge varchar(128) NOT NULL,
  grant_id bigint(20) unsigned NULL,
  created_at datetime NOT NULL,
  expires_at datetime NOT NULL,
  used_at datetime NULL,
  PRIMARY KEY (code_hash),
  KEY expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_refresh_tokens (
  token_hash char(64) NOT NULL,
  grant_id bigint(20) unsigned NOT NULL,
  created_at datetime NOT NULL,
  expires_at datetime NOT NULL,
  rotated_at datetime NULL,
  replaced_by char(64) NULL,
  PRIMARY KEY (token_hash),
  KEY grant_id (grant_id),
  KEY expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_connection_keys (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  key_hash varchar(255) NOT NULL,
  key_hint varchar(16) NOT NULL DEFAULT '',
  label varchar(200) NOT NULL DEFAULT '',
  user_id bigint(20) unsigned NOT NULL,
  created_at datetime NOT NULL,
  expires_at datetime NULL,
  last_used_at datetime NULL,
  last_ip varchar(100) NULL,
  revoked_at datetime NULL,
  PRIMARY KEY (id),
  KEY revoked_expires (revoked_at, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_login_failures (
  subject_type varchar(10) NOT NULL,
  subject varchar(191) NOT NULL,
  failures int(11) unsigned NOT NULL DEFAULT 0,
  first_failure_at datetime NOT NULL,
  last_failure_at datetime NOT NULL,
  locked_until datetime NULL,
  PRIMARY KEY (subject_type, subject),
  KEY locked_until (locked_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_audit_log (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  created_at datetime(3) NOT NULL,
  event varchar(64) NOT NULL,
  result varchar(32) NOT NULL,
  user_id bigint(20) unsigned NULL,
  client_id varchar(100) NULL,
  ip varchar(100) NULL,
  object_type varchar(32) NULL,
  object_id varchar(64) NULL,
  detail text NULL,
  PRIMARY KEY (id),
  KEY created_at (created_at),
  KEY event_created (event, created_at),
  KEY user_created (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_tickets (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  order_id bigint(20) unsigned NULL,
  customer_email varchar(320) NOT NULL,
  customer_name varchar(200) NOT NULL DEFAULT '',
  subject varchar(250) NOT NULL DEFAULT '',
  status varchar(20) NOT NULL DEFAULT 'open',
  source varchar(20) NOT NULL DEFAULT 'form',
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL,
  PRIMARY KEY (id),
  KEY status_updated (status, updated_at),
  KEY order_id (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_ticket_messages (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  ticket_id bigint(20) unsigned NOT NULL,
  author_type varchar(20) NOT NULL,
  author_user_id bigint(20) unsigned NULL,
  body text NOT NULL,
  created_at datetime NOT NULL,
  PRIMARY KEY (id),
  KEY ticket_created (ticket_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_mail_outbox (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  to_addr varchar(320) NOT NULL,
  subject varchar(250) NOT NULL,
  body_text mediumtext NOT NULL,
  body_html mediumtext NULL,
  status varchar(20) NOT NULL DEFAULT 'pending',
  attempts int(11) unsigned NOT NULL DEFAULT 0,
  next_attempt_at datetime NOT NULL,
  last_error varchar(500) NULL,
  created_at datetime NOT NULL,
  sent_at datetime NULL,
  PRIMARY KEY (id),
  KEY status_next (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;

CREATE TABLE IF NOT EXISTS {p}cartman_settings (
  name varchar(100) NOT NULL,
  value text NOT NULL,
  updated_at datetime NOT NULL,
  updated_by bigint(20) unsigned NULL,
  PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci;
