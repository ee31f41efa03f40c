CREATE TABLE IF NOT EXISTS stock (
  product_id BIGINT PRIMARY KEY,
  available INT NOT NULL CHECK (available >= 0)
);
