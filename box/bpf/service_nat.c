// SPDX-License-Identifier: GPL-2.0
/*
 * Service translation on a pod's host-side interface, the way Cilium's bpf_lxc does it:
 * packets from the pod (tc ingress on its lxc) addressed to a service's address and port are
 * rewritten to a backend pod's; replies to the pod (tc egress) get the service address back as
 * their source. Services and backends come from the `services` map, filled from the box's
 * topology; `flows` remembers each translated flow so the reply's rewrite matches exactly it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Addresses and ports in network byte order, as on the wire. */
struct service_key {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

struct endpoint {
	__u32 addr;
	__u16 port;
	__u16 pad;
};

/* A translated flow, as its replies look: from the backend to the client. */
struct flow_key {
	__u32 backend_addr;
	__u32 client_addr;
	__u16 backend_port;
	__u16 client_port;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct service_key);
	__type(value, struct endpoint);
} services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct endpoint);
} flows SEC(".maps");

/* Packets rewritten: [0] to a backend, [1] back to the service address. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} rewrites SEC(".maps");

#define IP_OFF (ETH_HLEN)
#define L4_OFF (ETH_HLEN + sizeof(struct iphdr))

struct packet {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8 proto;
	__u32 csum_off; /* offset of the L4 checksum */
	int udp_no_csum;
};

/* IPv4 TCP or UDP without options or fragments: what the box's pods send. */
static __always_inline int parse(struct __sk_buff *skb, struct packet *p)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + IP_OFF;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)))
		return -1;
	p->saddr = ip->saddr;
	p->daddr = ip->daddr;
	p->proto = ip->protocol;
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *tcp = data + L4_OFF;
		if ((void *)(tcp + 1) > data_end)
			return -1;
		p->sport = tcp->source;
		p->dport = tcp->dest;
		p->csum_off = L4_OFF + offsetof(struct tcphdr, check);
		p->udp_no_csum = 0;
		return 0;
	}
	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = data + L4_OFF;
		if ((void *)(udp + 1) > data_end)
			return -1;
		p->sport = udp->source;
		p->dport = udp->dest;
		p->csum_off = L4_OFF + offsetof(struct udphdr, check);
		p->udp_no_csum = udp->check == 0;
		return 0;
	}
	return -1;
}

/* Replaces an address (at addr_off) and a port (at port_off), fixing the IP and L4 checksums. */
static __always_inline int rewrite(struct __sk_buff *skb, struct packet *p, __u32 addr_off, __u32 old_addr,
				   __u32 new_addr, __u32 port_off, __u16 old_port, __u16 new_port)
{
	__u64 l4_flags = p->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;

	if (!p->udp_no_csum) {
		if (bpf_l4_csum_replace(skb, p->csum_off, old_addr, new_addr, l4_flags | BPF_F_PSEUDO_HDR | 4) ||
		    bpf_l4_csum_replace(skb, p->csum_off, old_port, new_port, l4_flags | 2))
			return -1;
	}
	if (bpf_l3_csum_replace(skb, IP_OFF + offsetof(struct iphdr, check), old_addr, new_addr, 4))
		return -1;
	if (bpf_skb_store_bytes(skb, addr_off, &new_addr, 4, 0) || bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0))
		return -1;
	return 0;
}

static __always_inline void count(__u32 direction)
{
	__u64 *n = bpf_map_lookup_elem(&rewrites, &direction);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* tc ingress of the pod's lxc: the pod sends to a service; the backend gets it. */
SEC("tc")
int from_pod(struct __sk_buff *skb)
{
	struct packet p;
	if (parse(skb, &p))
		return TC_ACT_OK;
	struct service_key key = { .addr = p.daddr, .port = p.dport, .proto = p.proto };
	struct endpoint *backend = bpf_map_lookup_elem(&services, &key);
	if (!backend)
		return TC_ACT_OK;
	struct endpoint service = { .addr = p.daddr, .port = p.dport };
	struct flow_key flow = {
		.backend_addr = backend->addr,
		.client_addr = p.saddr,
		.backend_port = backend->port,
		.client_port = p.sport,
		.proto = p.proto,
	};
	struct endpoint to = *backend;
	bpf_map_update_elem(&flows, &flow, &service, BPF_ANY);
	/* Destination port: second half of the ports word in both TCP and UDP headers. */
	if (rewrite(skb, &p, IP_OFF + offsetof(struct iphdr, daddr), p.daddr, to.addr, L4_OFF + 2, p.dport, to.port))
		return TC_ACT_SHOT;
	count(0);
	return TC_ACT_OK;
}

/* tc egress of the pod's lxc: a reply from a backend gets the service's address as its source. */
SEC("tc")
int to_pod(struct __sk_buff *skb)
{
	struct packet p;
	if (parse(skb, &p))
		return TC_ACT_OK;
	struct flow_key flow = {
		.backend_addr = p.saddr,
		.client_addr = p.daddr,
		.backend_port = p.sport,
		.client_port = p.dport,
		.proto = p.proto,
	};
	struct endpoint *service = bpf_map_lookup_elem(&flows, &flow);
	if (!service)
		return TC_ACT_OK;
	struct endpoint from = *service;
	if (rewrite(skb, &p, IP_OFF + offsetof(struct iphdr, saddr), p.saddr, from.addr, L4_OFF, p.sport, from.port))
		return TC_ACT_SHOT;
	count(1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
