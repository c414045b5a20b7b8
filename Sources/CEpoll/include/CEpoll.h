// The Linux calls the engine's own transport needs that Swift's Glibc module does not bring: epoll, eventfd,
// timerfd and TCP_NODELAY. Nothing else lives here.
#ifndef TUNER_CEPOLL_H
#define TUNER_CEPOLL_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

/// EPOLLIN | EPOLLRDHUP and friends as plain unsigned values (the enum's type differs between libcs).
static inline unsigned int cepoll_in(void) { return EPOLLIN; }
static inline unsigned int cepoll_out(void) { return EPOLLOUT; }
static inline unsigned int cepoll_err(void) { return EPOLLERR; }
static inline unsigned int cepoll_hup(void) { return EPOLLHUP; }
static inline unsigned int cepoll_rdhup(void) { return EPOLLRDHUP; }

/// epoll_ctl with the event's data as a pointer (the struct is packed on x86-64, awkward from Swift).
static inline int cepoll_ctl(int epfd, int op, int fd, unsigned int events, void *pointer) {
    struct epoll_event event;
    event.events = events;
    event.data.ptr = pointer;
    return epoll_ctl(epfd, op, fd, &event);
}

/// The events and pointer of the i-th event epoll_wait filled in.
static inline unsigned int cepoll_event_events(const struct epoll_event *events, int i) { return events[i].events; }
static inline void *cepoll_event_pointer(const struct epoll_event *events, int i) { return events[i].data.ptr; }
static inline int cepoll_event_size(void) { return (int)sizeof(struct epoll_event); }
#endif
#endif
