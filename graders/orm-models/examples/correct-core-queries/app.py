"""Blog API: mapped classes for the schema, hand-written queries for the lists and the deletes."""

import os
from collections import defaultdict

from flask import Flask, jsonify, request
from sqlalchemy import ForeignKey, PrimaryKeyConstraint, create_engine, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_engine("postgresql+psycopg://" + os.environ["DATABASE_URL"].split("://", 1)[1])


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)


class PostTag(Base):  # the association as a class of its own
    __tablename__ = "post_tags"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"))
    __table_args__ = (PrimaryKeyConstraint("post_id", "tag_id"),)


Base.metadata.create_all(engine)
app = Flask(__name__)


def load_posts(session, where=None):
    """Posts with their authors (one JOIN) and their tag names (one more SELECT): 2 statements."""
    query = select(Post, Author).join(Author, Post.author_id == Author.id).order_by(Post.id)
    if where is not None:
        query = query.where(where)
    rows = session.execute(query).all()
    names = defaultdict(list)
    if rows:
        links = session.execute(
            select(PostTag.post_id, Tag.name)
            .join(Tag, Tag.id == PostTag.tag_id)
            .where(PostTag.post_id.in_([p.id for p, _ in rows]))
        )
        for post_id, name in links:
            names[post_id].append(name)
    return [
        {"id": p.id, "title": p.title, "author": {"id": a.id, "name": a.name},
         "tags": sorted(names[p.id])}
        for p, a in rows
    ]


@app.post("/authors")
def create_author():
    with Session(engine) as session, session.begin():
        author = Author(name=request.get_json()["name"])
        session.add(author)
        session.flush()
        return jsonify(id=author.id, name=author.name), 201


@app.get("/authors")
def list_authors():
    with Session(engine) as session:
        authors = session.scalars(select(Author).order_by(Author.id)).all()
        posts = defaultdict(list)
        for p in session.scalars(select(Post).order_by(Post.id)):
            posts[p.author_id].append({"id": p.id, "title": p.title})
        return jsonify(authors=[{"id": a.id, "name": a.name, "posts": posts[a.id]} for a in authors])


@app.post("/authors/<int:author_id>/posts")
def create_post(author_id):
    data = request.get_json()
    with Session(engine) as session, session.begin():
        if session.get(Author, author_id) is None:
            return jsonify(error="unknown author"), 404
        post = Post(title=data["title"], author_id=author_id)
        session.add(post)
        session.flush()
        for name in sorted(set(data["tags"])):
            tag = session.scalars(select(Tag).filter_by(name=name)).first()
            if tag is None:
                tag = Tag(name=name)
                session.add(tag)
                session.flush()
            session.add(PostTag(post_id=post.id, tag_id=tag.id))
        session.flush()
        return jsonify(load_posts(session, Post.id == post.id)[0]), 201


@app.get("/posts")
def list_posts():
    with Session(engine) as session:
        return jsonify(posts=load_posts(session))


@app.get("/posts/<int:post_id>")
def get_post(post_id):
    with Session(engine) as session:
        found = load_posts(session, Post.id == post_id)
        return jsonify(found[0]) if found else (jsonify(error="unknown post"), 404)


@app.delete("/authors/<int:author_id>")
def delete_author(author_id):
    with Session(engine) as session, session.begin():
        if session.get(Author, author_id) is None:
            return jsonify(error="unknown author"), 404
        mine = select(Post.id).where(Post.author_id == author_id)
        session.execute(delete(PostTag).where(PostTag.post_id.in_(mine)))
        session.execute(delete(Post).where(Post.author_id == author_id))
        session.execute(delete(Author).where(Author.id == author_id))
    return "", 204


@app.delete("/posts/<int:post_id>")
def delete_post(post_id):
    with Session(engine) as session, session.begin():
        if session.get(Post, post_id) is None:
            return jsonify(error="unknown post"), 404
        session.execute(delete(PostTag).where(PostTag.post_id == post_id))
        session.execute(delete(Post).where(Post.id == post_id))
    return "", 204


@app.delete("/tags/<name>")
def delete_tag(name):
    with Session(engine) as session, session.begin():
        tag = session.scalars(select(Tag).filter_by(name=name)).first()
        if tag is None:
            return jsonify(error="unknown tag"), 404
        session.execute(delete(PostTag).where(PostTag.tag_id == tag.id))
        session.delete(tag)
    return "", 204
