// An Error that carries a code a program reads next to the message a person reads: the staff
// error codes (staff.ts) and JetStream's API error numbers both travel this way. The name is passed
// in rather than read from the class, because a minified bundle renames classes.
export class CodedError<Code> extends Error {
  readonly code: Code;

  constructor(name: string, code: Code, message: string) {
    super(message);
    this.name = name;
    this.code = code;
  }
}
