"""Worker processes for the long computations of the pages (races, trainings): see ``workers.pool``."""

from workers.pool import POOL, WorkerPool
from workers.worker_side import Superseded

__all__ = ["POOL", "Superseded", "WorkerPool"]
