// The rehearsal's people: the card holders at the kiosks and the staff at the desk, in Chromium by
// touch, and the operator on a hub node.
import type { Harness } from './bring-up.ts';
import type { RunState } from './host.ts';
import type { RehearsalOptions } from './rehearsal.ts';
import type { Step } from './steps.ts';

export interface Drive {
  harness: Harness;
  root: string;
  state: RunState;
  options: RehearsalOptions;
  screenshots: string;
  close?: () => Promise<void>;
}

export function driveSteps(_drive: () => Drive, _options: RehearsalOptions): Step[] {
  return [];
}
