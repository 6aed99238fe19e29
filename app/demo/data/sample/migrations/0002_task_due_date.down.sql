-- Rollback of 0002_task_due_date.sql (needs SQLite 3.35+ for DROP COLUMN).
DROP INDEX IF EXISTS idx_tasks_due_date;
ALTER TABLE tasks DROP COLUMN due_date;
