import * as vscode from 'vscode';
import { WorkerClient } from './workerClient';

/** The largest file the worker threads read, in bytes: the recurrentLens.maxFileSizeMB setting. */
export function maxFileBytesSetting(): number {
  return vscode.workspace.getConfiguration('recurrentLens').get<number>('maxFileSizeMB', 2048) * 2 ** 20;
}

/** A worker thread of the extension (dist/worker.js), each request held to the current recurrentLens.maxFileSizeMB. */
export function extensionWorker(extensionPath: string): WorkerClient {
  return new WorkerClient(extensionPath, { maxFileBytes: maxFileBytesSetting });
}
