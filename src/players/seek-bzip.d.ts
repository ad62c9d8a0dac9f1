/** seek-bzip ships no types; the one call used here. */
declare module 'seek-bzip' {
  const bunzip: { decode(input: Buffer): Buffer };
  export default bunzip;
}
