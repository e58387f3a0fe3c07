// The client type-checks the Worker's routes through `hc<AppType>`, so the Worker's sources are
// part of this program alongside the DOM lib. Workers-only members that the DOM lib's
// declarations shadow are restated here.
interface SubtleCrypto {
  timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
}
