"""Per-app note storage (one instance per app, kept in app.extensions["notes"])."""

import threading


class LimitReached(Exception):
    pass


class NoteStore:
    def __init__(self):
        self._notes = []
        self._lock = threading.Lock()

    def __len__(self):
        with self._lock:
            return len(self._notes)

    def all(self):
        with self._lock:
            return [dict(n) for n in self._notes]

    def add(self, text, limit):
        with self._lock:
            if len(self._notes) >= limit:
                raise LimitReached(limit)
            note = {"id": len(self._notes) + 1, "text": text}
            self._notes.append(note)
            return dict(note)
