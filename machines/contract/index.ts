// The contract as code: one module that the machines, services, card agent and kiosk UI all import.
// It is pure (no I/O) so that the browser bundle and the statechart can use it too.
export * from './errors.ts';
export * from './messages.ts';
export * from './card-import.ts';
export * from './screens.ts';
export * from './subjects.ts';
export * from './registry.ts';
export * from './staff.ts';
export * from './wire.ts';
export { birthDateField, readBirthDate, type BirthDateReading } from './fields.ts';
export * from './input-errors.ts';
