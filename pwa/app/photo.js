// Meter photos are made small on the phone before they are queued: at most 1600 px, JPEG, upright,
// without EXIF (the capture time is read from it first). A 12 MP photo of ~4 MB becomes ~300 KB.
const MAX_SIDE = 1600;
const QUALITY = 0.85;

function exifDateFromTiff(view, tiff) {
  const little = view.getUint16(tiff) === 0x4949;
  const u16 = (o) => view.getUint16(o, little);
  const u32 = (o) => view.getUint32(o, little);
  const readAscii = (offset, count) => {
    let s = '';
    for (let i = 0; i < count - 1; i++) s += String.fromCharCode(view.getUint8(offset + i));
    return s;
  };
  const find = (ifd, wanted) => {
    const entries = u16(ifd);
    for (let i = 0; i < entries; i++) {
      const entry = ifd + 2 + i * 12;
      if (u16(entry) === wanted) return entry;
    }
    return 0;
  };
  const ascii = (entry) => (entry ? readAscii(tiff + u32(entry + 8), u32(entry + 4)) : '');
  const ifd0 = tiff + u32(tiff + 4);
  const exifPointer = find(ifd0, 0x8769);
  const original = exifPointer ? ascii(find(tiff + u32(exifPointer + 8), 0x9003)) : '';
  return original || ascii(find(ifd0, 0x0132));
}

// "YYYY:MM:DD HH:MM:SS" of the camera clock (the phone's local time) -> Date, or null.
export function parseExifDate(text) {
  const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})/.exec(text || '');
  if (!m) return null;
  const date = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(date.getTime()) || +m[1] < 2000 ? null : date;
}

// DateTimeOriginal from a JPEG's APP1 Exif segment; null for other files or without one.
export function exifDate(buffer) {
  try {
    const view = new DataView(buffer);
    if (view.getUint16(0) !== 0xffd8) return null;
    let offset = 2;
    while (offset + 4 < view.byteLength) {
      const marker = view.getUint16(offset);
      const size = view.getUint16(offset + 2);
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) { // "Exif"
        return parseExifDate(exifDateFromTiff(view, offset + 10));
      }
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null; // image data starts
      offset += 2 + size;
    }
  } catch {
    // a damaged header: the capture time falls back to now
  }
  return null;
}

function canvasFor(width, height) {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function toJpeg(canvas) {
  if (canvas.convertToBlob) return canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode'))), 'image/jpeg', QUALITY));
}

// The work itself, wherever it runs: on the page (the fallback) or in photo-worker.js.
export async function preparePhotoHere(file) {
  if (!file.size) { // a camera app that failed to save: say so instead of "not a photo"
    const err = new Error('empty file');
    err.code = 'photo_empty';
    throw err;
  }
  const head = await file.slice(0, 256 * 1024).arrayBuffer();
  const takenAt = exifDate(head);
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    const err = new Error('not an image');
    err.code = 'photo_not_image';
    throw err;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = canvasFor(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close && bitmap.close();
  const blob = await toJpeg(canvas);
  return { buffer: await blob.arrayBuffer(), type: 'image/jpeg', width, height, takenAt };
}

// A 12 MP photo's decode, scaling and JPEG encoding take the main thread for a second or more on
// a slow phone: where the browser has module workers and OffscreenCanvas.convertToBlob they run in
// photo-worker.js (loaded with the first photo, cached by the service worker with the shell), and
// the screen stays responsive. Elsewhere, or when the worker cannot start, on the page as before.
let worker = null;
let workerBroken = false;
let nextId = 0;
const waiting = new Map();
// A worker that started but never answers (crashed, or OffscreenCanvas failing silently in some
// browser) must not hold the reading's save forever: with no answer for this long the photos are
// made small here. ~100 ms is usual; 10 s leaves room for a slow phone with a 12 MP photo.
const WORKER_PATIENCE_MS = 10_000;
let watchdog = null;

function watch() { // (re)armed at each job and answer: it measures silence, not total work
  clearTimeout(watchdog);
  watchdog = waiting.size ? setTimeout(giveUpWorker, WORKER_PATIENCE_MS) : null;
}

function workerSupported() {
  return !workerBroken && typeof Worker === 'function' && typeof OffscreenCanvas === 'function'
    && typeof OffscreenCanvas.prototype.convertToBlob === 'function' && typeof createImageBitmap === 'function';
}

function giveUpWorker() {
  workerBroken = true;
  clearTimeout(watchdog);
  watchdog = null;
  if (worker) worker.terminate();
  worker = null;
  for (const { file, resolve, reject } of waiting.values()) preparePhotoHere(file).then(resolve, reject);
  waiting.clear();
}

function photoWorker() {
  if (worker) return worker;
  worker = new Worker(new URL('./photo-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => {
    const job = waiting.get(data.id);
    if (!job) return;
    waiting.delete(data.id);
    watch();
    if (data.unsupported) { // the worker lacks what the page has: this photo, and the next ones, here
      workerBroken = true;
      preparePhotoHere(job.file).then(job.resolve, job.reject);
    } else if (data.code) {
      job.reject(Object.assign(new Error(data.code), { code: data.code }));
    } else {
      job.resolve({ buffer: data.buffer, type: data.type, width: data.width, height: data.height,
        takenAt: data.takenAt ? new Date(data.takenAt) : null });
    }
  };
  worker.onerror = (event) => { // the script did not load or failed outside a job
    event.preventDefault();
    giveUpWorker();
  };
  worker.onmessageerror = giveUpWorker; // an answer that cannot be read here: the job would wait forever
  return worker;
}

// File from <input type=file> -> {buffer, type, width, height, takenAt}. Throws {code:'photo_not_image' | 'photo_empty'}.
export function preparePhoto(file) {
  if (!workerSupported()) return preparePhotoHere(file);
  return new Promise((resolve, reject) => {
    const id = ++nextId;
    waiting.set(id, { file, resolve, reject });
    try {
      photoWorker().postMessage({ id, file }); // a File is passed by reference, not copied
      watch();
    } catch {
      giveUpWorker();
    }
  });
}
