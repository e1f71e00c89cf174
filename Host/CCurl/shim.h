/* libcurl for Swift: curl_easy_setopt/getinfo are variadic, so they get fixed-arity wrappers. */
#ifndef MARKET_CCURL_SHIM_H
#define MARKET_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*mk_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*mk_curl_progress_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                         curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode mk_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode mk_curl_set_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode mk_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode mk_curl_set_offset(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode mk_curl_set_data_callback(CURL *curl, CURLoption option,
                                                 mk_curl_data_callback callback) {
    return curl_easy_setopt(curl, option, callback);
}
static inline CURLcode mk_curl_set_progress_callback(CURL *curl,
                                                     mk_curl_progress_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, callback);
}
typedef curl_socket_t (*mk_curl_opensocket_callback)(void *clientp, curlsocktype purpose,
                                                    struct curl_sockaddr *address);
static inline CURLcode mk_curl_set_opensocket_callback(CURL *curl,
                                                       mk_curl_opensocket_callback callback) {
    return curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, callback);
}
static inline CURLcode mk_curl_get_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}

#endif
