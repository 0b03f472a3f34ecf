"""A small blog on PostgreSQL through SQLAlchemy 2: authors, posts and tags (TODOs inside)."""

import os

from flask import Flask, jsonify, request
from sqlalchemy import Column, ForeignKey, Table, create_engine, make_url, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)

# SQLAlchemy picks the driver from the URL's scheme: psycopg 3 is `postgresql+psycopg`.
engine = create_engine(make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+psycopg"))


class Base(DeclarativeBase):
    pass


# Many-to-many: a link table and nothing else; one row per (post, tag) pair.
post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    # Posts belong to their author: deleting the author deletes them (and their tag links).
    posts: Mapped[list["Post"]] = relationship(
        back_populates="author", order_by="Post.id", cascade="all, delete-orphan"
    )


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="posts")
    # Deleting a post deletes its rows in post_tags, never the tags: they are shared.
    tags: Mapped[list["Tag"]] = relationship(secondary=post_tags, back_populates="posts")


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    # The other side of the same link table: deleting a tag removes its links, not the posts.
    posts: Mapped[list[Post]] = relationship(secondary=post_tags, back_populates="tags")


Base.metadata.create_all(engine)
app = Flask(__name__)


def post_json(post: Post) -> dict:
    return {
        "id": post.id,
        "title": post.title,
        "author": {"id": post.author.id, "name": post.author.name},
        "tags": sorted(tag.name for tag in post.tags),
    }


def not_found():
    return jsonify(error="not found"), 404


@app.post("/authors")
def create_author():
    with Session(engine) as session:
        author = Author(name=request.get_json()["name"])
        session.add(author)
        session.commit()
        return jsonify(id=author.id, name=author.name), 201


@app.get("/authors")
def list_authors():
    with Session(engine) as session:
        # One SELECT for the authors, one more for all their posts (select-in loading).
        authors = session.scalars(
            select(Author).options(selectinload(Author.posts)).order_by(Author.id)
        )
        return jsonify(
            authors=[
                {
                    "id": a.id,
                    "name": a.name,
                    "posts": [{"id": p.id, "title": p.title} for p in a.posts],
                }
                for a in authors
            ]
        )


@app.delete("/authors/<int:author_id>")
def delete_author(author_id: int):
    with Session(engine) as session:
        author = session.get(Author, author_id)
        if author is None:
            return not_found()
        session.delete(author)
        session.commit()
        return "", 204


@app.post("/authors/<int:author_id>/posts")
def create_post(author_id: int):
    data = request.get_json()
    with Session(engine) as session:
        author = session.get(Author, author_id)
        if author is None:
            return not_found()
        names = set(data["tags"])
        tags = list(session.scalars(select(Tag).where(Tag.name.in_(names))))
        tags += [Tag(name=name) for name in names - {t.name for t in tags}]
        post = Post(title=data["title"], author=author, tags=tags)
        session.add(post)
        session.commit()
        return jsonify(post_json(post)), 201


@app.get("/posts")
def list_posts():
    with Session(engine) as session:
        # Posts JOIN authors in one SELECT, then all their tags in one more: 2 statements.
        posts = session.scalars(
            select(Post)
            .options(joinedload(Post.author), selectinload(Post.tags))
            .order_by(Post.id)
        )
        return jsonify(posts=[post_json(p) for p in posts])


@app.get("/posts/<int:post_id>")
def get_post(post_id: int):
    with Session(engine) as session:
        post = session.get(Post, post_id)
        if post is None:
            return not_found()
        return jsonify(post_json(post))


@app.delete("/posts/<int:post_id>")
def delete_post(post_id: int):
    with Session(engine) as session:
        post = session.get(Post, post_id)
        if post is None:
            return not_found()
        session.delete(post)
        session.commit()
        return "", 204


@app.delete("/tags/<name>")
def delete_tag(name: str):
    with Session(engine) as session:
        tag = session.scalars(select(Tag).where(Tag.name == name)).one_or_none()
        if tag is None:
            return not_found()
        session.delete(tag)
        session.commit()
        return "", 204
