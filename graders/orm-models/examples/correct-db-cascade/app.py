"""Blog API: ON DELETE CASCADE in the database, eager loading configured on the relationships."""

import os

from flask import Flask, jsonify, request
from sqlalchemy import Column, ForeignKey, Integer, String, Table, create_engine, delete, select
from sqlalchemy.orm import DeclarativeBase, relationship, sessionmaker

url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(url, pool_pre_ping=True)  # pre-ping: one more SELECT 1 per request
SessionLocal = sessionmaker(engine, expire_on_commit=False)


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class Author(Base):
    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    posts = relationship("Post", back_populates="author", lazy="selectin",
                         passive_deletes=True, order_by="Post.id")


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    title = Column(String(500), nullable=False)
    author_id = Column(Integer, ForeignKey("authors.id", ondelete="CASCADE"), nullable=False)
    author = relationship("Author", back_populates="posts", lazy="joined")
    tags = relationship("Tag", secondary=post_tags, lazy="selectin", passive_deletes=True)


class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)


Base.metadata.create_all(engine)
app = Flask(__name__)


def render(post):
    return {
        "id": post.id,
        "title": post.title,
        "author": {"id": post.author.id, "name": post.author.name},
        "tags": sorted({t.name for t in post.tags}),
    }


@app.route("/authors", methods=["POST"])
def add_author():
    with SessionLocal.begin() as s:
        author = Author(name=request.json["name"])
        s.add(author)
        s.flush()
        return {"id": author.id, "name": author.name}, 201


@app.route("/authors")
def authors():
    with SessionLocal() as s:
        rows = s.scalars(select(Author).order_by(Author.id)).all()
        return {"authors": [
            {"id": a.id, "name": a.name, "posts": [{"id": p.id, "title": p.title} for p in a.posts]}
            for a in rows
        ]}


@app.route("/authors/<int:aid>/posts", methods=["POST"])
def add_post(aid):
    body = request.json
    with SessionLocal.begin() as s:
        if s.get(Author, aid) is None:
            return {"error": "author not found"}, 404
        tags = []
        for name in dict.fromkeys(body["tags"]):
            tag = s.scalar(select(Tag).where(Tag.name == name)) or Tag(name=name)
            tags.append(tag)
        post = Post(title=body["title"], author_id=aid, tags=tags)
        s.add(post)
        s.flush()
        s.refresh(post)
        return render(post), 201


@app.route("/posts")
def posts():
    with SessionLocal() as s:
        return {"posts": [render(p) for p in s.scalars(select(Post).order_by(Post.id)).unique()]}


@app.route("/posts/<int:pid>")
def post(pid):
    with SessionLocal() as s:
        p = s.get(Post, pid)
        return render(p) if p else ({"error": "post not found"}, 404)


def remove(statement):
    with SessionLocal.begin() as s:
        deleted = s.execute(statement).rowcount
    return ("", 204) if deleted else ({"error": "not found"}, 404)


@app.route("/authors/<int:aid>", methods=["DELETE"])
def delete_author(aid):
    return remove(delete(Author).where(Author.id == aid))  # the database cascades


@app.route("/posts/<int:pid>", methods=["DELETE"])
def delete_post(pid):
    return remove(delete(Post).where(Post.id == pid))


@app.route("/tags/<name>", methods=["DELETE"])
def delete_tag(name):
    return remove(delete(Tag).where(Tag.name == name))
