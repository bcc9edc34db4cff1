// What both flows of examples/typescript share: reading the environment,
// checking, and failing the process on the first surprise.

export function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

export function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name}`);
  return v;
}

// run runs a flow and exits non-zero with its error.
export function run(flow: () => Promise<void>): void {
  flow().catch((e: unknown) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
