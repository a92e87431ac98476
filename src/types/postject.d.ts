// postject ships no type declarations; this is the part of its API the package builder uses.
declare module 'postject' {
  interface InjectOptions {
    /** The fuse string Node looks for to know a blob was injected. */
    sentinelFuse?: string;
    machoSegmentName?: string;
    overwrite?: boolean;
  }
  const postject: {
    inject(filename: string, resourceName: string, resourceData: Buffer, options?: InjectOptions): Promise<void>;
  };
  export = postject;
}
