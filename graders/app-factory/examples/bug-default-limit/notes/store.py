"""Notes kept in memory, for one app: an instance per create_app() call."""

import threading


class StoreFull(Exception):
    pass


class NoteStore:
    def __init__(self, limit):
        self.limit = limit
        self._notes = []
        self._lock = threading.Lock()  # the dev server serves requests in threads

    def all(self):
        with self._lock:
            return list(self._notes)

    def add(self, text):
        with self._lock:
            if len(self._notes) >= self.limit:
                raise StoreFull(f"this app holds at most {self.limit} notes")
            note = {"id": len(self._notes) + 1, "text": text}
            self._notes.append(note)
            return note
