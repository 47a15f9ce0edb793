import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { HttpListener, LocalFiles } from '../../backend.js';
import { UsageError } from '../../core/common/errors.js';
import {
  createEndpointServer,
  createUnsubscribeHandler,
  type EndpointServerLimits,
  toNodeListener,
} from '../http/index.js';
import { readApprovalFile } from './approval-file.js';
import { openInBrowser } from './browser.js';
import { probeWritableDir } from './doctor-probes.js';
import { checkPreviewFolder, openPreviews, writePreviewHtml, writeTempPreviewHtml } from './previews.js';
import { writeReportFile } from './report-file.js';

/**
 * Previews, reports and the browser: on this machine's disk, whatever the backend sends through. Every file is
 * written by `private-files.ts` (0600, new folders 0700, never through a symlink), its text scrubbed of the run's
 * secrets by `scrub`.
 */
export function createLocalFiles(scrub: (text: string) => string = (text) => text): LocalFiles {
  return {
    checkPreviewFolder: async (dir) => {
      await checkPreviewFolder(dir);
    },
    openPreviews: (dir, campaignId, options) => openPreviews(dir, campaignId, { ...options, scrub }),
    writePreviewHtml: async (file, html) => {
      const absolute = path.resolve(file);
      await writePreviewHtml(absolute, scrub(html));
      return absolute;
    },
    writeTempPreviewHtml: (tmpdir, name, html) => writeTempPreviewHtml(tmpdir, name, scrub(html)),
    writeReport: (file, html) => writeReportFile(file, scrub(html)),
    checkWritable: async (file, flag) => {
      await probeWritableDir(path.dirname(path.resolve(file)), flag).catch((error: unknown) => {
        // A path the operator typed (a flag) is a usage error; a default path is the workspace's (config).
        if (!flag.startsWith('--')) throw error;
        throw new UsageError(error instanceof Error ? error.message : String(error), {
          hint: 'choose a file in a folder you can write to',
        });
      });
    },
    openInBrowser,
    readApproval: readApprovalFile,
  };
}

/**
 * node:http on this machine, for `dn-mailer serve`, with the endpoint's timeouts and caps (DEFAULT_SERVER_LIMITS;
 * tests pass smaller `limits`).
 */
export function createLocalListener(limits: Partial<EndpointServerLimits> = {}): HttpListener {
  return {
    async serveUnsubscribe(endpoint, options) {
      const handler = createUnsubscribeHandler({ ...endpoint, onError: options.onError });
      const server = createEndpointServer(
        toNodeListener(handler, { trustProxy: options.trustProxy, onError: options.onError }),
        limits,
      );
      const url = await listen(server, options.port, options.host);
      return { url, close: () => closeServer(server) };
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') {
        reject(
          new UsageError(`cannot listen on ${host}:${port} (${error.code})`, {
            hint: 'choose another --port (or --port 0 for any free one)',
            cause: error,
          }),
        );
      } else reject(error);
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}/`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // A request still in flight gets two seconds to finish; then its connection is cut.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
