-- Rollback of 0001_init.sql: removes every project and task.
DROP INDEX IF EXISTS idx_tasks_project_id;
DROP TABLE IF EXISTS tasks;
DROP TABLE IF EXISTS projects;
