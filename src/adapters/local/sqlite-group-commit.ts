import type Database from 'better-sqlite3';
import { translateSqliteError } from './sqlite-errors.js';

/** What the ledger's writes have cost so far: the transactions committed and the row moves they carried. */
export interface LedgerWriteStats {
  /** Write transactions committed: each one a sync of the WAL to disk (`synchronous = FULL`). */
  commits: number;
  /** Claims and finishes committed. */
  moves: number;
  /** The most claims and finishes one commit carried. */
  largestGroup: number;
}

export interface GroupCommit {
  /**
   * Runs `move` (one conditional UPDATE) in the next group transaction and resolves with its result once that
   * transaction has COMMITTED; rejects, translated, when the transaction failed (then nothing of it was written).
   */
  submit(doing: string, move: () => boolean): Promise<boolean>;
  /** Commits every move still waiting, now (before the connection closes). */
  drain(): void;
  /** Counts a transaction committed outside the groups (planning rows, delivery events). */
  countCommit(): void;
  stats(): LedgerWriteStats;
}

/** At most this many moves a transaction: it bounds how long one commit holds the file's write lock. */
const MAX_GROUP = 256;

interface Waiting {
  doing: string;
  move: () => boolean;
  resolve(changed: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit: the claims and finishes that concurrent sends ask for within one turn of the event loop are written
 * in ONE IMMEDIATE transaction, so N sends in flight cost about one commit (one fsync) per turn instead of one each.
 * While a commit syncs, the next turn's moves pile up behind it, so the groups grow with the load by themselves.
 *
 * What does not change: each move is its own conditional UPDATE, so a row another run holds fails only that move
 * (false), never its group; a caller hears its answer only after COMMIT returned, so a claim is on disk before the
 * provider is called; a failing transaction (a lock held past busy_timeout, a full disk) rolls back every move of
 * its group and rejects each waiting call with the translated error, naming what that call was doing. Other
 * connections and processes still take the file's write lock per transaction: no two of them can move one row.
 *
 * `enabled: false` is the former path, one autocommitted statement per call (kept to measure against).
 */
export function createGroupCommit(db: Database.Database, file: string, enabled: boolean): GroupCommit {
  const counts: LedgerWriteStats = { commits: 0, moves: 0, largestGroup: 0 };
  const committed = (moves: number) => {
    counts.commits += 1;
    counts.moves += moves;
    counts.largestGroup = Math.max(counts.largestGroup, moves);
  };
  const runGroup = db.transaction((group: readonly Waiting[]) => group.map((waiting) => waiting.move()));
  let queue: Waiting[] = [];
  let scheduled = false;

  const commitNext = () => {
    const group = queue.slice(0, MAX_GROUP);
    queue = queue.slice(group.length);
    let results: boolean[];
    try {
      results = runGroup.immediate(group);
    } catch (error) {
      for (const waiting of group) waiting.reject(translateSqliteError(error, file, waiting.doing));
      return;
    }
    committed(group.length);
    group.forEach((waiting, i) => {
      waiting.resolve(results[i] === true);
    });
  };
  const flush = () => {
    scheduled = false;
    if (queue.length > MAX_GROUP) schedule();
    if (queue.length > 0) commitNext();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: every send that got its answer in this turn has
    // queued its move by then.
    setImmediate(flush);
  };

  return {
    submit(doing, move) {
      if (!enabled) return submitAlone(doing, move);
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ doing, move, resolve, reject });
        schedule();
      });
    },
    drain() {
      while (queue.length > 0) commitNext();
    },
    countCommit: () => committed(0),
    stats: () => ({ ...counts }),
  };

  async function submitAlone(doing: string, move: () => boolean): Promise<boolean> {
    let changed: boolean;
    try {
      changed = move();
    } catch (error) {
      throw translateSqliteError(error, file, doing);
    }
    committed(1);
    return changed;
  }
}
