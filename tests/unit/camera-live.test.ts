/**
 * The live camera row's pure parts (src/features/camera): the frame-drop policy, the fps meter, the
 * size a frame is drawn at, the messages for each getUserMedia failure. Expected values are worked
 * out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { FrameGate } from '../../src/features/camera/frame-gate.ts';
import { FpsMeter } from '../../src/features/camera/fps-meter.ts';
import { liveFrameSize } from '../../src/features/camera/frame-size.ts';
import { rgbaToBmp } from '../../src/features/camera/frame-bmp.ts';
import { CAMERA_ENDED, cameraErrorMessage, videoErrorMessage } from '../../src/features/camera/camera-errors.ts';

describe('FrameGate: one frame computing, the rest dropped, never queued', () => {
  it('drops every frame that arrives while one computes', () => {
    const g = new FrameGate();
    expect(g.offer()).toBe(true); // frame 1 starts
    expect(g.busy).toBe(true);
    expect(g.offer()).toBe(false); // 2 dropped
    expect(g.offer()).toBe(false); // 3 dropped
    g.finish(); // 1 done
    expect(g.busy).toBe(false);
    expect(g.offer()).toBe(true); // 4 starts: the newest frame, not 2 or 3 from a queue
    g.finish();
    expect(g.snapshot()).toEqual({ arrived: 4, started: 2, dropped: 2, paused: 0, finished: 2 });
  });

  it('counts paused arrivals apart and starts nothing while paused', () => {
    const g = new FrameGate();
    expect(g.offer(true)).toBe(false);
    expect(g.offer(true)).toBe(false);
    expect(g.busy).toBe(false);
    expect(g.offer(false)).toBe(true);
    expect(g.snapshot()).toEqual({ arrived: 3, started: 1, dropped: 0, paused: 2, finished: 0 });
  });

  it('a finish with nothing computing changes nothing; reset starts from zero', () => {
    const g = new FrameGate();
    g.finish();
    expect(g.snapshot().finished).toBe(0);
    g.offer();
    g.reset();
    expect(g.busy).toBe(false);
    expect(g.snapshot()).toEqual({ arrived: 0, started: 0, dropped: 0, paused: 0, finished: 0 });
    expect(g.offer()).toBe(true);
  });

  it('arrived = started + dropped + paused over any sequence', () => {
    const g = new FrameGate();
    // 10 arrivals, a frame takes the time of 3 arrivals: starts at 1, 4, 7, 10.
    for (let i = 1; i <= 10; i++) {
      g.offer();
      if (i % 3 === 0) g.finish();
    }
    const c = g.snapshot();
    expect(c).toEqual({ arrived: 10, started: 4, dropped: 6, paused: 0, finished: 3 });
  });
});

describe('FpsMeter', () => {
  it('no reading before frames; one frame gives ms but no fps', () => {
    const m = new FpsMeter(3000);
    expect(m.reading()).toEqual({ fps: null, msPerFrame: null });
    m.add(1000, 120);
    expect(m.reading()).toEqual({ fps: null, msPerFrame: 120 });
  });

  it('fps = (n - 1) intervals over the span; ms/frame = the mean', () => {
    const m = new FpsMeter(3000);
    // finished at 1000, 1250, 1500, 2000 ms: 3 intervals in 1000 ms = 3 fps; mean of 200, 240, 260, 300 = 250
    m.add(1000, 200);
    m.add(1250, 240);
    m.add(1500, 260);
    m.add(2000, 300);
    expect(m.reading()).toEqual({ fps: 3, msPerFrame: 250 });
  });

  it('forgets frames older than its window', () => {
    const m = new FpsMeter(1000);
    m.add(0, 900); // dropped once a frame finishes after 1000 ms
    m.add(500, 100);
    m.add(1400, 100); // window [400, 1400]: 500 and 1400 stay
    // 1 interval of 900 ms = 1.111... fps; mean ms (100 + 100) / 2 = 100
    const r = m.reading();
    expect(r.fps).toBeCloseTo(1000 / 900, 12);
    expect(r.msPerFrame).toBe(100);
    m.reset();
    expect(m.reading()).toEqual({ fps: null, msPerFrame: null });
  });
});

describe('liveFrameSize', () => {
  it('keeps the aspect ratio, longer side at most 448, never enlarges', () => {
    expect(liveFrameSize(640, 480)).toEqual({ width: 448, height: 336 }); // 640 * 0.7 = 448, 480 * 0.7 = 336
    expect(liveFrameSize(480, 640)).toEqual({ width: 336, height: 448 }); // portrait
    expect(liveFrameSize(1920, 1080)).toEqual({ width: 448, height: 252 }); // 1080 * 448 / 1920 = 252
    expect(liveFrameSize(1280, 720)).toEqual({ width: 448, height: 252 });
    expect(liveFrameSize(320, 240)).toEqual({ width: 320, height: 240 });
    expect(liveFrameSize(1000, 3)).toEqual({ width: 448, height: 1 }); // 3 * 0.448 = 1.344 → 1
  });

  it('refuses a frame with no size', () => {
    expect(() => liveFrameSize(0, 480)).toThrow(/No frame size/);
  });
});

describe('camera messages', () => {
  const named = (name: string) => Object.assign(new Error('x'), { name });
  it('each getUserMedia failure has its own sentence, and says the photos keep working', () => {
    expect(cameraErrorMessage(named('NotAllowedError'))).toMatch(/^Camera permission was refused/);
    expect(cameraErrorMessage(named('NotFoundError'))).toMatch(/^No camera was found/);
    expect(cameraErrorMessage(named('NotReadableError'))).toMatch(/another app may be using it/);
    expect(cameraErrorMessage(named('OverconstrainedError'))).toMatch(/no longer there/);
    expect(cameraErrorMessage(named('SecurityError'))).toMatch(/https:\/\/ and localhost/);
    expect(cameraErrorMessage(new Error('boom'))).toBe('Could not start the camera: boom. The photos below keep working.');
    for (const n of ['NotAllowedError', 'NotFoundError', 'NotReadableError'])
      expect(cameraErrorMessage(named(n))).toMatch(/photos below keep working/);
    expect(CAMERA_ENDED).toMatch(/unplugged/);
  });

  it('a video that will not play says why, by MediaError code', () => {
    expect(videoErrorMessage('a.mkv', 4)).toMatch(/^Could not play “a.mkv”: this browser cannot play its format/);
    expect(videoErrorMessage('b.webm', 3)).toMatch(/could not be decoded/);
    expect(videoErrorMessage('c.mp4', null)).toMatch(/could not be read/);
  });
});

describe('rgbaToBmp', () => {
  it('writes a 24-bit bottom-up BMP with rows padded to 4 bytes (bytes worked out by hand)', () => {
    // 3 × 2: top row red, green, blue; bottom row white, black, (10, 20, 30); alpha ignored.
    const rgba = [255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 10, 20, 30, 128];
    const b = rgbaToBmp(3, 2, rgba);
    // stride: 3 px × 3 bytes = 9 → 12; pixels 24 bytes; file 14 + 40 + 24 = 78
    const header = [
      ...[0x42, 0x4d, 78, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0], // BM, size 78, reserved, offset 54
      ...[40, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0], // info header 40, width 3, height 2, 1 plane, 24 bpp
      ...[0, 0, 0, 0, 24, 0, 0, 0, 0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // BI_RGB, 24 bytes, 2835 px/m
    ];
    const pixels = [
      ...[255, 255, 255, 0, 0, 0, 30, 20, 10, 0, 0, 0], // bottom row first, BGR, 3 bytes of padding
      ...[0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0, 0], // then the top row
    ];
    expect(Array.from(b)).toEqual([...header, ...pixels]);
  });

  it('refuses data of the wrong length', () => {
    expect(() => rgbaToBmp(2, 2, new Uint8Array(15))).toThrow(/RGBA data of 15 bytes/);
    expect(() => rgbaToBmp(0, 2, new Uint8Array(0))).toThrow(/Bad BMP size/);
  });
});
