// The on-screen keyboard of the guide's search: Qt Virtual Keyboard's input panel, set
// into the search screen (not a window of its own), pinyin first, English one key away.
import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings

Item {
    InputPanel {
        objectName: "panel"
        width: parent.width
        anchors.bottom: parent.bottom
    }
    Component.onCompleted: {
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"]
        VirtualKeyboardSettings.locale = "zh_CN"
    }
}
