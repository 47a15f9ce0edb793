import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { HttpListener, LocalFiles } from '../../backend.js';
import { UsageError } from '../../core/common/errors.js';
import { createUnsubscribeHandler, toNodeListener } from '../http/index.js';
import { readApprovalFile } from './approval-file.js';
import { openInBrowser } from './browser.js';
import { probeWritableDir } from './doctor-probes.js';
import { checkPreviewFolder, writePreviewHtml, writePreviews } from './previews.js';
import { writeReportFile } from './report-file.js';

/** Previews, reports and the browser: on this machine's disk, whatever the backend sends through. */
export function createLocalFiles(): LocalFiles {
  return {
    checkPreviewFolder: async (dir) => {
      await checkPreviewFolder(dir);
    },
    writePreviews,
    writePreviewHtml: async (file, html) => {
      const absolute = path.resolve(file);
      await writePreviewHtml(absolute, html);
      return absolute;
    },
    writeReport: writeReportFile,
    checkWritable: async (file, flag) => {
      await probeWritableDir(path.dirname(path.resolve(file)), flag).catch((error: unknown) => {
        throw new UsageError(
          `${flag}: cannot write ${file}: ${error instanceof Error ? error.message : error}`,
          {
            hint: 'choose a file in a folder you can write to',
          },
        );
      });
    },
    openInBrowser,
    readApproval: readApprovalFile,
  };
}

/** node:http on this machine, for `dn-mailer serve`. */
export function createLocalListener(): HttpListener {
  return {
    async serveUnsubscribe(endpoint, options) {
      const handler = createUnsubscribeHandler({ ...endpoint, onError: options.onError });
      const server = createServer(
        toNodeListener(handler, { trustProxy: options.trustProxy, onError: options.onError }),
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
