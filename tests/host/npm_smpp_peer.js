// The npm `smpp` package (node-smpp) as an independent SMPP 3.4 peer for tests/host/test_links_npm.py.
//   node npm_smpp_peer.js server PORT   an SMSC: accepts any bind, answers submit_sm with message_id
//                                       "node-<n>", then sends a delivery receipt for it and one MO
//                                       deliver_sm ("CX T1", UCS2); prints one JSON line per event
//   node npm_smpp_peer.js client PORT   an ESME: bind_transceiver, one UCS2 submit_sm, prints the
//                                       response and any deliver_sm, then unbinds
const smpp = require("smpp");

const [mode, port] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");

if (mode === "server") {
  let n = 0;
  const server = smpp.createServer({}, (session) => {
    session.on("bind_transceiver", (pdu) => {
      say({ event: "bind", system_id: pdu.system_id, password: pdu.password });
      session.send(pdu.response());
    });
    session.on("enquire_link", (pdu) => session.send(pdu.response()));
    session.on("unbind", (pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on("deliver_sm_resp", (pdu) => say({ event: "deliver_sm_resp", status: pdu.command_status }));
    session.on("submit_sm", (pdu) => {
      n += 1;
      const id = "node-" + n;
      const text = Buffer.isBuffer(pdu.short_message.message) ? pdu.short_message.message.toString("hex")
        : pdu.short_message.message;
      say({ event: "submit", destination_addr: pdu.destination_addr, data_coding: pdu.data_coding,
            registered_delivery: pdu.registered_delivery, message: text });
      session.send(pdu.response({ message_id: id }));
      session.deliver_sm({
        source_addr: pdu.destination_addr, destination_addr: pdu.source_addr, esm_class: 4,
        short_message: "id:" + id + " sub:001 dlvrd:001 submit date:2612030958 done date:2612030959 stat:DELIVRD err:000 text:",
        receipted_message_id: id, message_state: 2,
      });
      session.deliver_sm({ source_addr: "13912345678", destination_addr: "10657112333", short_message: "CX T1",
                           data_coding: 8 });
    });
  });
  server.listen(Number(port), "127.0.0.1", () => say({ event: "listening" }));
} else {
  const session = smpp.connect({ url: "smpp://127.0.0.1:" + port, auto_enquire_link_period: 0 });
  session.on("error", (e) => { say({ event: "error", error: String(e) }); process.exit(2); });
  session.on("deliver_sm", (pdu) => {
    say({ event: "deliver", source_addr: pdu.source_addr, message: String(pdu.short_message.message) });
    session.send(pdu.response());
  });
  session.bind_transceiver({ system_id: "centre", password: "pw" }, (bind) => {
    say({ event: "bind", status: bind.command_status });
    session.submit_sm({ source_addr: "10657112333", destination_addr: "13912345678",
                        short_message: "您好，临时挂失已受理", registered_delivery: 1 }, (resp) => {
      say({ event: "submit_sm_resp", status: resp.command_status, message_id: resp.message_id });
      setTimeout(() => session.unbind(() => { session.close(); process.exit(0); }), 1500);
    });
  });
}
