-- The shop's schema: each fact stored once, the rules kept by the database itself.
-- app.py runs this file at every start, so every statement is idempotent (IF NOT EXISTS).

DROP TABLE IF EXISTS order_items, orders, products, customers;

CREATE TABLE IF NOT EXISTS customers (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,          -- the natural key: ON CONFLICT (email) upserts on it
    name  text NOT NULL
);

CREATE TABLE IF NOT EXISTS products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         text    NOT NULL UNIQUE,
    name        text    NOT NULL,
    price_cents integer NOT NULL CHECK (price_cents >= 0)   -- the current price
);

CREATE TABLE IF NOT EXISTS orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No ON DELETE CASCADE: deleting a customer must not silently delete their order history.
    customer_id bigint NOT NULL REFERENCES customers (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS order_items (
    order_id         bigint  NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id       bigint  NOT NULL REFERENCES products (id),
    quantity         integer NOT NULL CHECK (quantity > 0),
    -- Not a copy of products.price_cents: the price this line was sold at, a fact of the sale.
    unit_price_cents integer NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, product_id)   -- a product appears once per order
);

-- PostgreSQL indexes primary keys and UNIQUE columns, not foreign keys: these serve the joins
-- from a customer to their orders and from a product to its order lines.
CREATE INDEX IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);
CREATE INDEX IF NOT EXISTS order_items_product_id_idx ON order_items (product_id);
