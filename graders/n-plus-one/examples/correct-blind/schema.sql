-- The app runs this at start-up. Keep the tables and columns: the grader fills them itself.
CREATE TABLE IF NOT EXISTS authors (
    id serial PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE IF NOT EXISTS books (
    id serial PRIMARY KEY,
    author_id integer NOT NULL REFERENCES authors (id),
    title text NOT NULL,
    year integer NOT NULL
);

-- A few rows to try the API by hand, added only to an empty database.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM authors) THEN
        INSERT INTO authors (name) VALUES ('Ursula K. Le Guin'), ('Italo Calvino'), ('Tove Jansson');
        INSERT INTO books (author_id, title, year)
        SELECT a.id, b.title, b.year
        FROM (VALUES ('Ursula K. Le Guin', 'The Dispossessed', 1974),
                     ('Ursula K. Le Guin', 'A Wizard of Earthsea', 1968),
                     ('Italo Calvino', 'Invisible Cities', 1972)) AS b (author, title, year)
        JOIN authors a ON a.name = b.author;
    END IF;
END
$$;
