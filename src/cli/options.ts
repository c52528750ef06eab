/** Options every command takes (commander's program-level options). */
export interface GlobalOptions {
  config?: string;
}
