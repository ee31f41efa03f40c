-- binary collation: gids, branch ids and ops are compared byte for byte ('Order-1' is not 'order-1')
CREATE TABLE IF NOT EXISTS ${table} (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  trans_type VARCHAR(45) NOT NULL DEFAULT '',
  gid VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  branch_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  op VARCHAR(45) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  barrier_id VARCHAR(45) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  reason VARCHAR(45) NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY ${name}_uniq (gid, branch_id, op, barrier_id),
  KEY ${name}_created (created_at)
);
