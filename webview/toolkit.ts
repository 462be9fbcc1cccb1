/**
 * The only module that knows about @vscode/webview-ui-toolkit (deprecated 2025-01-01, still working).
 * Everything else builds controls through these functions, so swapping in @vscode-elements/elements
 * means changing this file alone.
 */
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';

let registered = false;
function register(): void {
  if (registered) return;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing());
  registered = true;
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; title?: string; id?: string } = {}): HTMLElement {
  register();
  const el = document.createElement('vscode-button');
  el.textContent = label;
  if (opts.secondary) el.setAttribute('appearance', 'secondary');
  if (opts.title) el.title = opts.title;
  if (opts.id) el.id = opts.id;
  el.addEventListener('click', onClick);
  return el;
}

export function dropdown(
  options: { value: string; label: string }[],
  value: string,
  onChange: (value: string) => void,
  opts: { id?: string; ariaLabel?: string } = {},
): HTMLElement & { value: string } {
  register();
  const el = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  if (opts.id) el.id = opts.id;
  if (opts.ariaLabel) el.setAttribute('aria-label', opts.ariaLabel);
  for (const o of options) {
    const opt = document.createElement('vscode-option') as HTMLElement & { value: string };
    opt.setAttribute('value', o.value);
    opt.textContent = o.label;
    if (o.value === value) opt.setAttribute('selected', '');
    el.appendChild(opt);
  }
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, opts: { id?: string } = {}): HTMLElement {
  register();
  const el = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  el.textContent = label;
  if (opts.id) el.id = opts.id;
  if (checked) el.setAttribute('checked', '');
  el.addEventListener('change', () => onChange(el.checked));
  return el;
}

export function spinner(): HTMLElement {
  register();
  return document.createElement('vscode-progress-ring');
}
