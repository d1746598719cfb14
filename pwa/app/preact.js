// The one place that names the vendored Preact + hooks + htm bundle (pinned version in the file name).
export * from '../vendor/htm-preact-standalone-3.1.1.js';
