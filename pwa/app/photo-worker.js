// The photo's decode, downscale and JPEG encoding off the page's main thread (photo.js starts this
// module worker with the first photo): {id, file} in, {id, buffer, type, width, height, takenAt}
// or {id, code} out, the buffer transferred, not copied.
import { preparePhotoHere } from './photo.js';

self.onmessage = async ({ data }) => {
  const { id, file } = data;
  if (typeof OffscreenCanvas !== 'function' || typeof createImageBitmap !== 'function') {
    self.postMessage({ id, unsupported: true });
    return;
  }
  try {
    const photo = await preparePhotoHere(file);
    self.postMessage({ id, ...photo, takenAt: photo.takenAt ? photo.takenAt.getTime() : null }, [photo.buffer]);
  } catch (err) {
    if (err && err.code) self.postMessage({ id, code: err.code });
    else self.postMessage({ id, unsupported: true }); // e.g. no 2D context here: the page does it
  }
};
