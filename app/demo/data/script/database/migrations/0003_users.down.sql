-- Rollback of 0003_users.sql. This deletes every account: back up the database first.
DROP INDEX IF EXISTS idx_users_email;
DROP TABLE IF EXISTS users;
