-- Outgoing mail (version 3): what the sender needs beyond migration 1's outbox table. Reply-To, what
-- the mail is (kind) and which object it concerns, and the claim token of the apid instance sending it
-- (apid/mail_sender.c). One ALTER TABLE, run only when the columns are missing: portable to MySQL 8,
-- which has no ADD COLUMN IF NOT EXISTS, and atomic, so an interrupted run is finished by the next.

SET @cartman_mail_alter = (SELECT IF(COUNT(*) = 0,
  'ALTER TABLE {p}cartman_mail_outbox ADD COLUMN reply_to varchar(320) NULL AFTER to_addr, ADD COLUMN kind varchar(40) NOT NULL DEFAULT '''' AFTER body_html, ADD COLUMN object_type varchar(40) NOT NULL DEFAULT '''' AFTER kind, ADD COLUMN object_id bigint(20) unsigned NOT NULL DEFAULT 0 AFTER object_type, ADD COLUMN claim_token char(32) NULL AFTER last_error, ADD KEY object (object_type, object_id)',
  'DO 0') FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = '{p}cartman_mail_outbox' AND column_name = 'claim_token');

PREPARE cartman_mail_stmt FROM @cartman_mail_alter;

EXECUTE cartman_mail_stmt;

DEALLOCATE PREPARE cartman_mail_stmt;
