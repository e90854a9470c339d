"""
``lib12333 demo --link cmpp3``: the service hall with the centre on an operator link.

The hall of ``lib12333.host.demo`` runs unchanged (kiosk, citizen's phone, card
reader, emulated network) except for the centre: instead of its own modem it
reaches the network through an emulated operator gateway (``ismg.Ismg``) that
answers for the centre's number, over SMPP 3.4 or CMPP 2.0 / 3.0 on 127.0.0.1.
The link is configured from a URL, with the secret from the environment, as a
real deployment is (``url.parse``).
"""

from lib12333.host import demo
from lib12333.host.links.server_side import PROTOCOLS

ACCOUNT = {"smpp": "centre12333", "cmpp2": "901234", "cmpp3": "901234", "smgp": "33012345", "sgip": "centre"}
SECRET = "demo1233"  # the emulated gateway's and the centre's shared secret (a demo, not a deployment)


def link_hall(protocol, faults=None):
    """A ``demo.Hall`` subclass whose centre talks ``protocol`` ("smpp", "cmpp2", "cmpp3")."""
    if protocol not in PROTOCOLS:
        from lib12333.errors import ConfigError

        raise ConfigError("unknown link protocol", "--link", None, protocol, ", ".join(PROTOCOLS))

    class LinkHall(demo.Hall):
        def centre_channel(self):
            from lib12333.host.links import url
            from lib12333.host.links.channels import Channels, transport_for
            from lib12333.host.links.ismg import Ismg, LinkFaults
            from lib12333.host.links.ismg_net import free_port

            service = "?source=10657112333" if protocol == "smpp" else "?service=RSJ&src=10657112333"
            sp_address = None
            if protocol == "sgip":  # the SMG connects to the centre too: the centre listens
                sp_address = ("127.0.0.1", free_port())
                service += "&listen=%s:%d" % sp_address
            self.ismg = Ismg(protocol, {ACCOUNT[protocol]: SECRET}, demo.CENTRE_NUMBER,
                             faults=LinkFaults.parse(faults), sp_address=sp_address).attach(self.sim)
            host, port = self.ismg.address
            config = url.parse("%s://%s@%s:%d%s&timeout=3" % (protocol, ACCOUNT[protocol], host, port, service),
                               env={url.SECRET_ENV: SECRET})
            self.t.add("network", "emulated operator gateway (%s) on %s:%d for the centre's number; faults: %s"
                       % (protocol, host, port, self.ismg.faults.describe()))
            return Channels([transport_for(config)])

        def close(self):
            demo.Hall.close(self)
            self.ismg.stop()

    return LinkHall

