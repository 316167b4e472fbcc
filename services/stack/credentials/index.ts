// The embedded stack's NATS users and their credentials (docs/security.md, "Embedded stack").
export * from './embedded-users.ts';
export * from './credential-files.ts';
