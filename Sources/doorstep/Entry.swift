import DoorstepImaging

@main
enum Entry {
    static func main() async {
        // Started as a decoder helper (by this binary's own server): serve image jobs, nothing else.
        IsolatedImageProcessor.serveIfAsked()
        await Doorstep.main()
    }
}
