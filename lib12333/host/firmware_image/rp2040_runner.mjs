// The rp2040-ec800n firmware image on an emulated RP2040 (rp2040js), with its board's peripherals.
//
//   node rp2040_runner.mjs --bootrom B1.bin --image rp2040-ec800n.bin [--fs fs.img --fs-offset 0xA0000]
//
// Prints one JSON line with the TCP ports (127.0.0.1) of the board's connections:
//   cdc      the USB CDC serial port (REPL, raw REPL for lib12333 deploy)
//   uart0    UART0, the modem (GP0/GP1)          uart1  UART1, the card reader (GP4/GP5)
//   hmi      the bytes the firmware sends to the HMI display through its PIO UART (GP6)
//   control  JSON lines: {"cmd":"press","key":"2"}, {"cmd":"reset"}, {"cmd":"status"},
//            {"cmd":"save","path":F} (the flash, file system included), {"cmd":"quit"}
//
// What the runner does beyond rp2040js (see docs/firmware-images.md, "Emulated RP2040"):
// - flash survives an emulated reset (watchdog, machine.reset(), "reset" command): a reset
//   builds a new chip -- RAM and peripherals fresh -- on the same flash contents;
// - the emulated clock never runs ahead of the wall clock, so a host peer's answer (given in
//   wall time) cannot arrive "late" by the firmware's own timeouts;
// - two rp2040js 1.4.1 UART defects: TXINTR stays raised for ever (MicroPython's driver would
//   spin in its interrupt handler), and the 32-byte RX FIFO drops bytes pushed at once: host
//   bytes go in one at a time at the line rate in emulated time, and wait while the FIFO is full;
// - flash erase and program: rp2040js does not model the flash chip's SPI commands, so the
//   boot ROM's flash_range_erase / flash_range_program (what pico-sdk and MicroPython's
//   rp2.Flash call) are carried out here when the core reaches them, with NOR semantics
//   (erase sets 4 KiB sectors to 0xFF, program can only clear bits); LittleFS works;
// - the 4x4 keypad: a pressed key connects its row to its column, as the membrane does.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { RP2040, USBCDC } from 'rp2040js';

const FLASH_BASE_OFFSET = 0;
const CYCLE_NANOS = 1e9 / 125e6;
const UART_TXINTR = 1 << 5;
const UARTDR = 0x0;
const UARTICR = 0x44;
const PIO_TXF0 = 0x10;
const KEY_ROWS = [10, 11, 12, 13];
const KEY_COLS = [14, 15, 16, 17];
const LAYOUT = [['1', '2', '3', 'ok'], ['4', '5', '6', 'back'], ['7', '8', '9', 'C'], ['*', '0', '#', 'D']];
const KEY_HOLD_NANOS = 400e6; // long enough for the debounce even when a pass of the main loop is slow
const KEY_GAP_NANOS = 250e6;

function args() {
  const out = { fsOffset: 0xa0000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    out[name.replace(/-(\w)/g, (_m, c) => c.toUpperCase())] = argv[i + 1];
  }
  if (typeof out.fsOffset === 'string') out.fsOffset = Number(out.fsOffset);
  return out;
}

const opts = args();
const bootrom = readFileSync(opts.bootrom);

function romFunction(code) {
  // The boot ROM's function table: 16-bit pointer at 0x14, entries (two-letter code, address).
  const view = new DataView(bootrom.buffer, bootrom.byteOffset, bootrom.byteLength);
  for (let i = view.getUint16(0x14, true); view.getUint16(i, true); i += 4) {
    if (view.getUint16(i, true) === code.charCodeAt(0) + (code.charCodeAt(1) << 8)) {
      return view.getUint16(i + 2, true) & ~1;
    }
  }
  throw new Error('boot ROM has no function ' + code);
}
const ROM_FLASH_ERASE = romFunction('RE');
const ROM_FLASH_PROGRAM = romFunction('RP');
let flashWrites = 0;

function romFlashCall(pc) {
  // r0..r3 are the arguments; returning = jumping to LR, as the ROM function would.
  const core = mcu.core;
  const [a0, a1, a2] = core.registers;
  if (pc === ROM_FLASH_ERASE) {
    mcu.flash.fill(0xff, a0, Math.min(a0 + a1, mcu.flash.length));
  } else {
    for (let i = 0; i < a2; i++) mcu.flash[a0 + i] &= mcu.readUint8(a1 + i);
  }
  flashWrites += 1;
  core.PC = core.LR & ~1;
}
const flash = new Uint8Array(2 * 1024 * 1024).fill(0xff);
flash.set(readFileSync(opts.image), FLASH_BASE_OFFSET);
if (opts.fs) flash.set(readFileSync(opts.fs), opts.fsOffset);

// ---------------------------------------------------------------- channels (TCP)

const channels = {};
function channel(name, onData) {
  const ch = { name, socket: null, server: null, pending: [] };
  ch.server = createServer((socket) => {
    if (ch.socket) ch.socket.destroy();
    ch.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (data) => onData(data));
    socket.on('error', () => {});
    socket.on('close', () => { if (ch.socket === socket) ch.socket = null; });
    for (const chunk of ch.pending) socket.write(chunk);
    ch.pending = [];
  });
  ch.send = (bytes) => {
    const chunk = Buffer.from(bytes);
    if (ch.socket) ch.socket.write(chunk);
    else ch.pending.push(chunk); // kept until the host connects: no byte is lost
  };
  channels[name] = ch;
  return new Promise((resolve) => ch.server.listen(0, '127.0.0.1', () => resolve(ch.server.address().port)));
}

// ---------------------------------------------------------------- the chip

let mcu = null;
let cdc = null;
let cdcReady = false;
let resets = 0;
let wallStart = 0;
let nanosAtStart = 0;
const uartQueues = [[], []];
const uartAlarms = [null, null];
const cdcQueue = [];
const keyQueue = [];
let keyDown = null;
let keyAlarm = null;

function fixUart(uart, index) {
  // Defect 1: TXINTR only after a byte was written; UARTICR clears it.
  uart.checkInterrupts = function () {
    this.rp2040.setInterrupt(this.irq, !!(this.interruptStatus & this.interruptMask));
  };
  const write = uart.writeUint32.bind(uart);
  uart.writeUint32 = function (offset, value) {
    write(offset, value);
    if (offset === UARTDR) {
      this.interruptStatus |= UART_TXINTR;
      this.checkInterrupts();
    } else if (offset === UARTICR) {
      this.checkInterrupts();
    }
  };
  uart.onByte = (byte) => channels['uart' + index].send([byte]);
}

function feedUart(index) {
  // Defect 2: one byte per character time (10 bits at the baud rate the firmware set).
  const uart = mcu.uart[index];
  const queue = uartQueues[index];
  if (!queue.length) return;
  if (!uart.rxFIFO.full) uart.feedByte(queue.shift());
  if (queue.length) scheduleUart(index);
}

function scheduleUart(index) {
  const alarm = uartAlarms[index];
  if (alarm.scheduled) return;
  // Before the firmware sets the divider (at boot, after a reset) rp2040js reports an infinite baud
  // rate: a 0 ns alarm that re-arms itself while the FIFO is full would spin inside clock.tick()
  // for ever (the whole runner hung, control port included). Count 115200 until then.
  const rate = mcu.uart[index].baudRate;
  const baud = Number.isFinite(rate) && rate > 0 ? rate : 115200;
  alarm.schedule(Math.round((10 * 1e9) / baud));
}

function setKeyLines() {
  // A key held down pulls its column low while the firmware drives its row low.
  for (let c = 0; c < 4; c++) {
    let low = false;
    if (keyDown && keyDown[1] === c) low = !mcu.gpio[KEY_ROWS[keyDown[0]]].outputValue;
    mcu.gpio[KEY_COLS[c]].setInputValue(!low);
  }
}

function nextKey() {
  if (keyDown) {
    keyDown = null;
    setKeyLines();
    if (keyQueue.length) keyAlarm.schedule(KEY_GAP_NANOS);
    return;
  }
  if (!keyQueue.length) return;
  keyDown = keyQueue.shift();
  setKeyLines();
  keyAlarm.schedule(KEY_HOLD_NANOS);
}

function alarm(callback) {
  // rp2040js leaves `scheduled` true after an alarm fired; clear it so the callback can re-arm.
  const a = mcu.clock.createAlarm(() => {
    a.scheduled = false;
    callback();
  });
  return a;
}

function boot() {
  mcu = new RP2040();
  mcu.loadBootrom(new Uint32Array(bootrom.buffer, bootrom.byteOffset, bootrom.byteLength / 4));
  mcu.flash.set(flash); // the flash as the last chip left it
  mcu.logger = { debug() {}, info() {}, warn() {}, error(component, msg) { process.stderr.write(`${component}: ${msg}\n`); } };
  fixUart(mcu.uart[0], 0);
  fixUart(mcu.uart[1], 1);
  for (let i = 0; i < 2; i++) uartAlarms[i] = alarm(() => feedUart(i));
  keyAlarm = alarm(nextKey);
  for (const r of KEY_ROWS) mcu.gpio[r].addListener(() => setKeyLines());
  for (const c of KEY_COLS) mcu.gpio[c].setInputValue(true);
  const pioWrite = mcu.pio[0].writeUint32.bind(mcu.pio[0]);
  mcu.pio[0].writeUint32 = (offset, value) => {
    if (offset === PIO_TXF0) channels.hmi.send([value & 0xff]); // what state machine 0 shifts out on GP6
    pioWrite(offset, value);
  };
  mcu.peripherals[0x40058].onWatchdogTrigger = () => { resetRequested = true; };
  cdc = new USBCDC(mcu.usbCtrl);
  cdcReady = false;
  cdc.onDeviceConnected = () => { cdcReady = true; };
  cdc.onSerialData = (buffer) => channels.cdc.send(buffer);
  mcu.core.PC = 0x10000000;
  wallStart = performance.now();
  nanosAtStart = mcu.clock.nanos;
}

let resetRequested = false;
function reset() {
  flash.set(mcu.flash.subarray(0, flash.length)); // keep what the firmware wrote (journal, log, file system)
  resets += 1;
  boot();
}

function feedCdc() {
  while (cdcReady && cdcQueue.length && !cdc.txFIFO.full) cdc.sendSerialByte(cdcQueue.shift());
}

function run() {
  const sliceEnd = performance.now() + 25;
  while (performance.now() < sliceEnd) {
    if (resetRequested) {
      resetRequested = false;
      reset();
    }
    const wallNanos = (performance.now() - wallStart) * 1e6;
    if (mcu.clock.nanos - nanosAtStart > wallNanos) break; // never ahead of the wall clock
    for (let i = 0; i < 20000; i++) {
      if (mcu.core.waiting) {
        const n = mcu.clock.nanosToNextAlarm;
        if (n <= 0) break;
        mcu.clock.tick(n);
        break;
      }
      const pc = mcu.core.PC;
      if (pc === ROM_FLASH_ERASE || pc === ROM_FLASH_PROGRAM) romFlashCall(pc);
      mcu.clock.tick(mcu.core.executeInstruction() * CYCLE_NANOS);
    }
    feedCdc();
  }
  setImmediate(run);
}

// ---------------------------------------------------------------- control

function control(line, socket) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    socket.write(JSON.stringify({ error: 'not JSON' }) + '\n');
    return;
  }
  const reply = { ok: true };
  if (msg.cmd === 'press') {
    const row = LAYOUT.findIndex((r) => r.includes(msg.key));
    if (row < 0) {
      reply.ok = false;
      reply.error = 'no such key';
    } else {
      keyQueue.push([row, LAYOUT[row].indexOf(msg.key)]);
      if (!keyDown && !keyAlarm.scheduled) keyAlarm.schedule(1e6);
    }
  } else if (msg.cmd === 'reset') {
    resetRequested = true;
  } else if (msg.cmd === 'save') {
    writeFileSync(msg.path, mcu.flash.subarray(0, flash.length));
  } else if (msg.cmd === 'quit') {
    socket.end(JSON.stringify(reply) + '\n');
    process.exit(0);
  } else if (msg.cmd !== 'status') {
    reply.ok = false;
    reply.error = 'unknown command';
  }
  reply.nanos = mcu.clock.nanos - nanosAtStart;
  reply.resets = resets;
  reply.flash_writes = flashWrites;
  reply.keys_pending = keyQueue.length + (keyDown ? 1 : 0);
  socket.write(JSON.stringify(reply) + '\n');
}

const ports = {
  cdc: await channel('cdc', (data) => { for (const b of data) cdcQueue.push(b); }),
  uart0: await channel('uart0', (data) => { for (const b of data) uartQueues[0].push(b); scheduleUart(0); }),
  uart1: await channel('uart1', (data) => { for (const b of data) uartQueues[1].push(b); scheduleUart(1); }),
  hmi: await channel('hmi', () => {}),
};
const controlServer = createServer((socket) => {
  let buffered = '';
  socket.on('data', (data) => {
    buffered += data.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      control(buffered.slice(0, nl), socket);
      buffered = buffered.slice(nl + 1);
    }
  });
  socket.on('error', () => {});
});
ports.control = await new Promise((resolve) => controlServer.listen(0, '127.0.0.1', () => resolve(controlServer.address().port)));
boot();
process.stdout.write(JSON.stringify(ports) + '\n');
// The host keeps our stdin open; when it goes away (even killed), so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
run();
