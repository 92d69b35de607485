-- Sessions (version 5): drop {p}cartman_sessions.csrf_token. A session's CSRF token is an HMAC keyed
-- with the session id (authd/sessions.c), recomputed from the cookie on each request and never stored;
-- the column (version 2) was written empty since then, and a random token some older row still holds
-- there is not accepted. The rows themselves (signed-in browsers) are kept.
--
-- Idempotent without MariaDB-only syntax (DROP COLUMN IF EXISTS): the ALTER runs only while the
-- column exists.

SET @cartman_ddl = (SELECT IF(COUNT(*) = 1, 'ALTER TABLE {p}cartman_sessions DROP COLUMN csrf_token', 'DO 0') FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '{p}cartman_sessions' AND column_name = 'csrf_token');
PREPARE cartman_stmt FROM @cartman_ddl;
EXECUTE cartman_stmt;
DEALLOCATE PREPARE cartman_stmt;
