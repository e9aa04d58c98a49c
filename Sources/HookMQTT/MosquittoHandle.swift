import CMosquitto

/// A `struct mosquitto *` that may be carried across threads.
///
/// `@unchecked Sendable` because of how ``MQTTPublisherCore`` confines it, not because the
/// pointer is safe in general:
/// - `mosquitto_publish` is called from any thread, but only with the publisher's state lock
///   held, so that message ids are recorded before the PUBACK callback can look for them;
///   libmosquitto guards its own message lists with its internal mutexes.
/// - Creation, the option setters and `mosquitto_connect_async` happen in `init`, before the
///   network thread exists and before the handle is shared.
/// - The network thread runs `mosquitto_loop_forever` on it; libmosquitto is told it is
///   threaded (`mosquitto_threaded_set`) and locks its own state for that.
/// - `mosquitto_disconnect`, joining the network thread and `mosquitto_destroy` happen once,
///   in the teardown of `MQTTPublisherCore.shutdown`, after the state says closed (so no
///   publish can start); nothing touches the handle after `mosquitto_destroy`.
struct MosquittoHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// libmosquitto's process-wide initialisation, done once before the first handle.
enum MosquittoLibrary {
    /// `mosquitto_lib_init`'s result; evaluating it the first time runs the initialisation.
    static let initialized: Int32 = mosquitto_lib_init()

    /// libmosquitto's text for an error code.
    static func describe(_ code: Int32) -> String {
        String(cString: mosquitto_strerror(code))
    }

    static let success = Int32(MOSQ_ERR_SUCCESS.rawValue)
}
