/// What an S3 error answer means, in words a carrier's admin can act on. S3 names the cause in
/// the XML body's `<Code>` (and, for a wrong region, the right one in `<Region>`); a status
/// number alone ("403") does not say whether the key, the secret or the policy is wrong.
struct S3ErrorReply {
    var status: Int
    var code: String?
    var region: String?

    init(status: Int, body: [UInt8]) {
        let text = String(decoding: body.prefix(8192), as: UTF8.self)
        self.status = status
        self.code = ListPage.value("Code", in: text)
        self.region = ListPage.value("Region", in: text)
    }

    /// A 404 that says the bucket itself is missing, not the object asked for.
    var isMissingBucket: Bool { code == "NoSuchBucket" }

    func error(_ operation: String, bucket: String, region configured: String) -> BlobStoreError {
        let answered = "S3 \(operation) answered \(status)" + (code.map { " \($0)" } ?? "")
        let advice: String? = switch code {
        case "NoSuchBucket": "the bucket \(bucket) does not exist: create it, or correct the bucket in DOORSTEP_BLOBS"
        case "InvalidAccessKeyId": "the server does not know this access key: check AWS_ACCESS_KEY_ID"
        case "SignatureDoesNotMatch": "the secret key does not match the access key: check AWS_SECRET_ACCESS_KEY"
        case "AccessDenied", "AllAccessDisabled": "these credentials may not use bucket \(bucket): check the bucket's policy"
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
            "the bucket is not in region \(configured)" + (region.map { ": set region=\($0) in DOORSTEP_BLOBS" } ?? ": set region= in DOORSTEP_BLOBS")
        case "RequestTimeTooSkewed": "this machine's clock is too far from the server's: check NTP"
        default: nil
        }
        return BlobStoreError(description: advice.map { "\(answered): \($0)" } ?? answered)
    }
}
