#ifndef HOOKD_CCURL_SHIM_H
#define HOOKD_CCURL_SHIM_H
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic; Swift needs one typed wrapper per argument kind. */
typedef size_t (*hookd_curl_data_callback)(char *data, size_t size, size_t count, void *context);
/* CURLOPT_READFUNCTION: fill `buffer` with at most size * count bytes to upload; return how many, 0 at the end. */
typedef size_t (*hookd_curl_read_callback)(char *buffer, size_t size, size_t count, void *context);

static inline CURLcode hookd_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode hookd_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode hookd_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode hookd_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode hookd_curl_setopt_data_callback(CURL *handle, CURLoption option, hookd_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode hookd_curl_setopt_read_callback(CURL *handle, hookd_curl_read_callback value) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, value);
}
/* CURLOPT_OPENSOCKETFUNCTION: return a socket for `address`, or CURL_SOCKET_BAD to refuse it. */
typedef curl_socket_t (*hookd_curl_opensocket_callback)(void *context, curlsocktype purpose, struct curl_sockaddr *address);
static inline CURLcode hookd_curl_setopt_opensocket_callback(CURL *handle, hookd_curl_opensocket_callback value) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, value);
}
/* The IP address curl is about to connect to, as 4 or 16 bytes in network order; 0 for other families. */
static inline int hookd_curl_sockaddr_bytes(const struct curl_sockaddr *address, unsigned char bytes[16]) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        memcpy(bytes, &((const struct sockaddr_in *)&address->addr)->sin_addr, 4);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        memcpy(bytes, &((const struct sockaddr_in6 *)&address->addr)->sin6_addr, 16);
        return 16;
    }
    return 0;
}
/* What curl's own open-socket step does, once the address is approved (close-on-exec added). */
static inline curl_socket_t hookd_curl_open_socket(const struct curl_sockaddr *address) {
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}
static inline curl_socket_t hookd_curl_socket_bad(void) { return CURL_SOCKET_BAD; }
static inline CURLcode hookd_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode hookd_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}
/* CURLINFO_CERTINFO fills a pointer to curl-owned certificate data, valid until the handle is reset or freed. */
static inline CURLcode hookd_curl_getinfo_certinfo(CURL *handle, struct curl_certinfo **value) {
    return curl_easy_getinfo(handle, CURLINFO_CERTINFO, value);
}
static inline CURLMcode hookd_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}
#endif
