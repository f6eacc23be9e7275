"""Record the wall time of every task (handlers included) to a JSON file per playbook.

The Molecule tests read these records to prove that no task of a converge stalls
(e.g. a service stop waiting out systemd's 90 s timeout).
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: mailsec_task_durations
type: aggregate
short_description: write each task's wall time to MOLECULE_EPHEMERAL_DIRECTORY
description:
  - Writes task-durations-<playbook>.json (a list of playbook, play, task, role, seconds)
    into the directory named by MOLECULE_EPHEMERAL_DIRECTORY, appending across runs.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mailsec_task_durations"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._playbook = "playbook"
        self._play = ""
        self._current = None
        self._records = []

    def v2_playbook_on_start(self, playbook):
        self._playbook = os.path.splitext(os.path.basename(playbook._file_name))[0]

    def v2_playbook_on_play_start(self, play):
        self._finish()
        self._play = play.get_name()

    def _finish(self):
        if self._current is not None:
            record, started = self._current
            record["seconds"] = round(time.monotonic() - started, 3)
            self._records.append(record)
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._finish()
        role = task._role.get_name() if task._role else ""
        record = {"playbook": self._playbook, "play": self._play, "task": task.name, "role": role}
        self._current = (record, time.monotonic())

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def v2_playbook_on_stats(self, stats):
        self._finish()
        directory = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
        if not directory:
            return
        path = os.path.join(directory, f"task-durations-{self._playbook}.json")
        previous = []
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                previous = json.load(handle)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(previous + self._records, handle, indent=1)
