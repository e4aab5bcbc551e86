-- The catalog to index. A trigger moves updated_at on every update, so the
-- source connector (timestamp+incrementing) picks updates up.
CREATE TABLE products (
  id SERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  price NUMERIC(10,2) NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT now()
);
CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END
$$ LANGUAGE plpgsql;
CREATE TRIGGER products_touch BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO products (name, description, price) VALUES
  ('Kettle', 'Stainless steel electric kettle, 1.7 l', 39.90),
  ('Teapot', 'Cast iron teapot with infuser', 54.00),
  ('Mug', 'Stoneware mug, 350 ml', 12.50);
