/** The webview side of the host channel, typed by src/shared/protocol.ts. */
interface VsCodeApi<S> {
  postMessage(msg: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}
declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export function connect<In, Out, S>(onMessage: (msg: In) => void) {
  const api = acquireVsCodeApi<S>();
  window.addEventListener('message', (e: MessageEvent<In>) => onMessage(e.data));
  return {
    post: (msg: Out) => api.postMessage(msg),
    getState: () => api.getState(),
    setState: (s: S) => api.setState(s),
  };
}
