#ifndef HOOKD_CCURL_SHIM_H
#define HOOKD_CCURL_SHIM_H
#include <curl/curl.h>

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
