/* A native HTTP service whose CPU goes, by construction, three quarters to burn_hot and one quarter to burn_cold:
 * each request runs the same loop 3 * N times in one and N times in the other (N from the command line, a few
 * milliseconds of work), so that accepting, reading and writing are a small remainder. A thread per connection,
 * keep-alive.
 * Usage: hot_server PORT N   (prints nothing; GET /health answers at once) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile double sink;

__attribute__((noinline)) double burn_hot(long n) {
    double x = 0;
    for (long i = 0; i < n; i++) x += (double)i * 0.5 / (double)(i + 1);
    return x;
}

__attribute__((noinline)) double burn_cold(long n) {
    double x = 0;
    for (long i = 0; i < n; i++) x += (double)i * 0.5 / (double)(i + 1);
    return x;
}

static long n;

/* One connection: requests one at a time (keep-alive) until the client closes it. */
static void *serve(void *argument) {
    int client = (int)(long)argument;
    const char *reply = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
    char buffer[4096];
    ssize_t got;
    while ((got = read(client, buffer, sizeof buffer - 1)) > 0) {
        buffer[got] = 0;
        /* One request per read: the load sends one at a time on each connection. */
        if (strncmp(buffer, "GET /health", 11) != 0) sink = burn_hot(3 * n) + burn_cold(n);
        if (write(client, reply, strlen(reply)) < 0) break;
    }
    close(client);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    n = atol(argv[2]);
    int server = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(server, (struct sockaddr *)&address, sizeof address) != 0 || listen(server, 64) != 0) return 1;
    for (;;) {
        int client = accept(server, NULL, NULL);
        if (client < 0) continue;
        pthread_t thread;
        if (pthread_create(&thread, NULL, serve, (void *)(long)client) != 0) { close(client); continue; }
        pthread_detach(thread);
    }
}
