import os from 'node:os';
import type { RunInstance } from '../ports.js';

/** This process as a run's claims name it: the host name and PID, and whether another PID of this host lives. */
export function createProcessInstance(): RunInstance {
  return {
    host: os.hostname(),
    pid: process.pid,
    isAlive(pid) {
      try {
        // Signal 0 delivers nothing: it only asks whether the process exists.
        process.kill(pid, 0);
        return true;
      } catch (error) {
        // EPERM: it exists but belongs to another user. Only ESRCH says it is gone.
        return (error as { code?: string }).code !== 'ESRCH';
      }
    },
  };
}
